"""Business rules, one module per aggregate. Services take the db handle and never import Chalice."""
