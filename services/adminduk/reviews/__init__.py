"""The officers' review queue of birth and death reports."""
