// SYNTAX TEST "source.go" "steady:ignore comments in Go"

package worker

func (w *Worker) Stop() {
    close(w.done) // steady:ignore GO101 only called from Shutdown, which runs once
//                   ^^^^^^^^^^^^^ keyword.other.directive.suppression.steady
//                                 ^^^^^ constant.language.rule.steady
//                                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ - constant.language.rule.steady
    // steady:ignore GO102, recursive-lock callers hold no lock here
//     ^^^^^^^^^^^^^ keyword.other.directive.suppression.steady
//                   ^^^^^ constant.language.rule.steady
//                        ^ punctuation.separator.rule.steady
//                          ^^^^^^^^^^^^^^ constant.language.rule.steady
//                                         ^^^^^^^^^^^^^^^^^^^^^^^^^ - constant.language.rule.steady
    w.mu.Lock() /* steady:ignore-file GO102 generated */
//                 ^^^^^^^^^^^^^^^^^^ keyword.other.directive.suppression.steady
//                                    ^^^^^ constant.language.rule.steady
//                                          ^^^^^^^^^ - constant.language.rule.steady
    s := "steady:ignore GO101 inside a string is not a suppression"
//        ^^^^^^^^^^^^^ - keyword.other.directive.suppression.steady
//                      ^^^^^ - constant.language.rule.steady
    _ = s // steady:ignored is another word
//           ^^^^^^^^^^^^^^ - keyword.other.directive.suppression.steady
}
