"""corridor.estimate"""
