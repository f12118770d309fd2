"""corridor.store"""
