package ktriage.lib.text_test

import data.ktriage.lib.text

test_times_once if text.times(1) == "once"

test_times_many if {
	text.times(2) == "2 times"
	text.times(0) == "0 times"
}
