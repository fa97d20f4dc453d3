"""Listing 4: an exit code, with its status, label and message."""

from graphflow import ProcessSpec

spec = ProcessSpec()
spec.exit_code(418, "ERROR_I_AM_A_TEAPOT", "the process experienced an identity crisis")

if __name__ == "__main__":
    code = spec.exit_codes.ERROR_I_AM_A_TEAPOT
    print(code.status, code.label, code.message)
