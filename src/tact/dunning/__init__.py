"""Policies, stages, holds, the daily cycle and its actions."""
