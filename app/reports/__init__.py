"""The three lists (三张清单): one query per list, and renderers for CSV, XLSX and PDF."""
