"""In-tree scheduler plugins, one module each, named and worded as upstream."""
