"""What every tab is made with: the run loop, its status words and messages, widgets,
the run panel's code box, forms from a schema, file checks, and the put-back registry."""
