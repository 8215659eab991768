"""Intake: from a shared drive to the warehouse, one file at a time, losing nothing.

``sources`` lists and reads drop zones (a folder or an SMB share); ``archiving`` keeps every
received byte by its sha256; ``identify`` works out unit, round and deliverable; ``pipeline``
runs a scan end to end and is what both the collect DAG and ``campaign-ops ingest`` call.
"""
