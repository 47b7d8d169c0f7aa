"""The registration wizard and "Mes inscriptions" (guide §5, §7, §11): thin handlers.

A new registration starts from an opening period (a POST) and becomes a draft whose tabs live
under ``/inscriptions/brouillon/<key>/<slug>``; a saved one is found by the candidate's own
registration number under ``/mes-inscriptions/<number>``, so another candidate's registration is
never reachable (404), whatever id or number is typed. What a tab's request leads to is decided
in ``flow``; here it becomes a response.
"""

from portal.registrations.controllers.mine import MyRegistrationsController
from portal.registrations.controllers.wizard import RegistrationsController

CONTROLLERS = (RegistrationsController, MyRegistrationsController)

__all__ = ["CONTROLLERS", "MyRegistrationsController", "RegistrationsController"]
