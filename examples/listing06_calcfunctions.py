"""Listing 6: the same functions as calculations, with one decorator each."""

from graphflow import calcfunction


@calcfunction
def add(a, b):
    return a + b


@calcfunction
def multiply(a, b):
    return a * b
