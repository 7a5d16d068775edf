"""Calls (challenges, pitch selections, project calls), applications, results, and the portfolio of structuring projects."""
