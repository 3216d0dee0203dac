"""The case side (issue 12): the FIR, the investigation clock and her sealed identity."""
