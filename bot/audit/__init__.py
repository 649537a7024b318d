"""`cab audit`: re-derive and verify every decision from git history alone.

The core (`rules`, `objects`, `trees`, `checks`, `auditor`, `stats`) is pure: it reads commits,
trees and blobs through the small `ObjectStore` protocol and returns findings as values. The git
adapter is `history`, the incremental cache `cache`, the renderers `report_*`.
"""
