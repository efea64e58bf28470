"""bpcourse: backpropagation, written to be read next to the book.

Simple, readable numpy; each backward sits next to its forward.  Fast paths
(conv) are kept apart from the naive versions they are tested against.
"""

__version__ = "0.1.0"
