"""Observatory: indicators, targets, series and regional roadmaps."""
