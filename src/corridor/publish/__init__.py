"""corridor.publish"""
