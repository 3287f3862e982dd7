"""Interactive explorers: compute and draw live elsewhere; these files only wire them up."""
