"""The /api routers, one per area of the apps."""
