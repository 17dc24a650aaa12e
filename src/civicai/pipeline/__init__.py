"""The analysis pipeline: `run_analysis(AnalyseOptions(...))` runs every stage and writes the outputs."""
from civicai.pipeline.options import AnalyseOptions
from civicai.pipeline.runner import OUTPUT_FILES, AnalysisResult, run_analysis

__all__ = ["OUTPUT_FILES", "AnalyseOptions", "AnalysisResult", "run_analysis"]
