"""Calculation jobs and parsers that ship with graphflow, registered under ``core.*``.

``core.arithmetic.add`` adds two numbers with a bash script: the smallest job that
exercises every task (upload, submit, update, retrieve, parse), used by the tests and
the W4 benchmark. ``core.python.json`` runs a Python program on a JSON input file and
parses the JSON file it writes: the shape of most real codes' plugins.
"""
