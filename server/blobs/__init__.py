"""Photos and signatures: content-addressed blobs, their storage, and the records naming them."""
