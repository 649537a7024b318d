"""`cab audit`: re-derive and verify every decision from git history alone.

The checks (`auditor`, `decision_check`, `exception_decision_check`, `merge_check`,
`governed_changes`, `stats`) read commits, trees and blobs through the small
`bot.domain.git_objects.ObjectStore` protocol and return findings as values. The git adapter is
`bot.adapters.git.object_store`, the incremental cache `bot.adapters.audit_cache`, the renderers
`report_*`.
"""
