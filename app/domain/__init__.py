"""The rules of SafeLoop in plain Python: no Flask, no database session.

Services feed these modules plain values and ORM objects (used only through their attributes)
and apply what they decide.
"""
