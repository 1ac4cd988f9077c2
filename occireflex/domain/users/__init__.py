"""A company's own people (issue 13, seed 001 Administración > Usuarios).

Modules: ``fields`` (what a user's data may be: usuario, documento, correo, celular, token
serial, the temporary password), ``reach`` (who may act on whom: grants, administrators,
the last active administrator), ``listing`` (the paged grids and their exports),
``changes`` («Crear Usuario», «Modificar»), ``lifecycle`` («Cambio de Clave para Usuarios»,
«Activación/Inactivación»). A user is never deleted: inactivated, their history kept.
"""
