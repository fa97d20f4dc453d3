"""Listing 7: calling calculation functions stores their provenance (Fig. 1)."""

from listing06_calcfunctions import add, multiply

from graphflow import Int

if __name__ == "__main__":
    result = multiply(add(Int(3), Int(4)), Int(5))
    print(f"result: {result.value} (pk {result.pk})")
