"""Business rules, one module per aggregate. Services take the db handle, never import Chalice."""
