"""Listing 5: two plain Python functions."""


def add(a, b):
    return a + b


def multiply(a, b):
    return a * b


if __name__ == "__main__":
    print(multiply(add(3, 4), 5))
