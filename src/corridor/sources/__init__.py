"""corridor.sources"""
