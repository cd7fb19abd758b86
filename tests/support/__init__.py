"""What the tests share: sample paths, Pilot helpers, builders of books, servers and hostile files.

* :mod:`tests.support.paths`: the repository root and the bundled sample article.
* :mod:`tests.support.pilot`: build the app on temporary paths, wait for its screens, open an
  article (:func:`tests.support.pilot.opened_article`).
* :mod:`tests.support.epub_builder`, :mod:`tests.support.web_server`,
  :mod:`tests.support.hostile`: inputs built by the tests themselves (nothing binary committed).
* :mod:`tests.support.w3c_conformance`: the W3C Web Annotation MUST assertions.
* :mod:`tests.support.children`: scripts the storage tests run as child processes.
"""
