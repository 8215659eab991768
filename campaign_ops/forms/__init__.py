"""Statistics forms: spec → templates, parser, Great Expectations suites and error reports.

Entry points other modules build on:

- ``spec.load_form(form_id)``, ``spec.all_forms()`` — the form descriptions.
- ``template.generate_templates(campaign, out_dir, round_id=…)`` — ready-to-fill workbooks.
- ``parser.parse_file(path, form=…)`` → ``ParsedSubmission`` or raises ``Refusal``
  (``parser.try_parse`` returns it instead; ``pool.ParserPool`` parses on several cores).
- ``validate.validate_batch(submissions, previous=…)`` → one ``FileResult`` per file.
- ``check_report`` — the Chinese error report (text, HTML, JSON) for the submitting unit.

Heavy imports (great_expectations) happen inside the functions that need them.
"""
