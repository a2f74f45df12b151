"""The catalogs: kernels (approximate identities) and the functions they smooth."""
