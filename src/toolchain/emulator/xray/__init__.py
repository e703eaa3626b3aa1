"""xray"""
