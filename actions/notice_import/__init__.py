"""Draft a knowledge-base file from a notice's text (``python -m actions.kb import NOTICE``).

Pure Python, no Rasa. The pipeline, one small module each:

    reading      text from .txt / .docx / .pdf (the source copy every span points into)
    paragraphs   logical paragraphs of that text, each character mapped to its source offset
    labels       measure / section / sub-item labels as printed ((一), 一、, 1., 第X条 ...)
    document     文号, issuer, title, district, issue date, validity
    segment      sections, measures, and the parts of a measure (body, 责任单位, sub-items, steps, contact lines)
    contacts     units, offices, persons, phones, emails, attached to the measure and sub-item they follow
    figures      benefits and conditions: percentages, amounts, caps, months, hours, deadlines
    topics       topics from the taxonomy keywords (data, not code)
    draft        assembles the draft dict, its ``spans`` (where each value came from) and ``notes``
    checks       the faithfulness rules (every phone/email/name/percentage/amount printed in the source)
    compare      draft vs an existing curated file (review view and leave-one-out evaluation)
    review       the static HTML review page
    evaluate     leave-one-out evaluation on the notices in policies_kb/sources/

Nothing here knows a particular notice: district names come from the taxonomy or from the
issuer as printed, document numbers from the text.
"""
