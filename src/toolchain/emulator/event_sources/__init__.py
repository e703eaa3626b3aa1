"""event_sources"""
