"""corridor.reference"""
