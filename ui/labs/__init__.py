"""One module per lab: ``show(slot)`` draws the lab's main area for the network in any slot.

A page is the lab on its own (its title, the slot it opens, the sidebar, the URL); a lesson's step
embeds the same view on the step's own slot. Every widget key is made from the slot, so two views
of one lab never collide. The registry (ui/registry.py) names each lab's view module.
"""
