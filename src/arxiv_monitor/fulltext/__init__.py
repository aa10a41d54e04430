"""fulltext"""
