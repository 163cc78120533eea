"""Term planning: requests, the allocation run and its review, closures, feeds and the term overview.

Owns the planning widgets, their item models and background workers. Every rule lives in
`scheduler.services`; these modules only show rows and call services.
"""
