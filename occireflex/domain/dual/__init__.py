"""Dual control (issue 15): Configuración de Autorizaciones (``rules``, ``config``), limits
per user and service (``limits``), operations prepared by one user and authorized by
others (``prepare``, ``decide``) and the inbox «Transacciones Pendientes por Autorizar»
(``inbox``)."""
