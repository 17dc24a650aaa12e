"""Theme discovery: reduce -> HDBSCAN -> honest outliers and multi-label membership -> hierarchy."""
from civicai.cluster.assign import REASONS, Assignment, AssignParams, assign, calibrate_thresholds, word_count
from civicai.cluster.density import (
                                     ClusterParams,
                                     Clusters,
                                     auto_min_cluster_size,
                                     cluster_points,
                                     merge_similar_clusters,
)
from civicai.cluster.hierarchy import HierarchyParams, parent_groups
from civicai.cluster.reduce import Reduced, ReduceParams, map_2d, reduce_embeddings

__all__ = ["REASONS", "AssignParams", "Assignment", "ClusterParams", "Clusters", "HierarchyParams", "Reduced",
           "ReduceParams", "assign", "auto_min_cluster_size", "calibrate_thresholds", "cluster_points",
           "map_2d", "merge_similar_clusters", "parent_groups", "reduce_embeddings", "word_count"]
