# SYNTAX TEST "source.python" "steady:ignore comments in Python"

# steady:ignore-file PY401 the process exits through os._exit
# ^^^^^^^^^^^^^^^^^^ keyword.other.directive.suppression.steady
#                    ^^^^^ constant.language.rule.steady
#                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ - constant.language.rule.steady

try:
    run()
except:  # steady:ignore PY301,mutate-during-iteration best effort
#          ^^^^^^^^^^^^^ keyword.other.directive.suppression.steady
#                        ^^^^^ constant.language.rule.steady
#                             ^ punctuation.separator.rule.steady
#                              ^^^^^^^^^^^^^^^^^^^^^^^ constant.language.rule.steady
#                                                      ^^^^^^^^^^^ - constant.language.rule.steady
    pass
note = "steady:ignore PY301 in a string"
#       ^^^^^^^^^^^^^ - keyword.other.directive.suppression.steady
