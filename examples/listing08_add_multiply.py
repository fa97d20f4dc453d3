"""Listing 8: a work function that calls two calculation functions (Fig. 2)."""

from graphflow import Int, calcfunction, workfunction


@calcfunction
def add(a, b):
    return a + b


@calcfunction
def multiply(a, b):
    return a * b


@workfunction
def add_multiply(x, y, z):
    sum = add(x, y)
    product = multiply(sum, z)
    return product


if __name__ == "__main__":
    result = add_multiply(Int(1), Int(2), Int(3))
    print(f"result: {result.value} (pk {result.pk})")
