// The learner's lesson progress in localStorage. Until Python has the browser's copy (data.keep is
// null) it is sent up; afterwards every new progress Python sends is written down. Nothing is drawn.
const STORE = "dl-lab.lesson-progress";

export default function (component) {
  const { data, setStateValue } = component;
  const keep = data ? data.keep : null;
  if (keep === null || keep === undefined) {
    let kept = {};
    try {
      kept = JSON.parse(window.localStorage.getItem(STORE) || "{}") || {};
    } catch (error) {
      kept = {};  // unreadable or blocked storage: start afresh rather than fail
    }
    setStateValue("stored", kept);
    return;
  }
  try {
    window.localStorage.setItem(STORE, JSON.stringify(keep));
  } catch (error) {
    // storage full or blocked (private mode): progress stays for this session only
  }
}
