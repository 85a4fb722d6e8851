"""Shared ground floor: plumbing every app may use. It imports no app of ours."""
