"""Accounts, sign-in and roles: pure code; the store keeps the state and ``dashboard/ui`` draws the forms."""
