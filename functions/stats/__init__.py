"""The statistics: stats-rollup keeps the hourly and daily aggregates as incidents change."""
