// Vocalis browser client: microphone → WebRTC → agent, agent voice and events back.
//
// Signalling: one POST /offer with the complete SDP offer (candidates gathered first); the
// answer comes back complete too. The data channel "events" carries JSON messages (see
// vocalis/transports/webrtc/events.py). Test hooks: everything the page shows is mirrored
// on window.vocalis (transcripts, agent text, state, notices, audio bytes and energy, video).
//
// Video: the offer always carries one send-only video transceiver; the Camera and Share screen
// buttons put a track on it (or take it off) with replaceTrack, so no renegotiation is needed.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get("token");

  const view = {
    connection: "disconnected",
    agentState: null,
    userTranscripts: [], // final user transcripts, in order
    userInterim: "",
    agentTexts: [], // every agent_text sentence, in order
    notices: [],
    errors: [],
    audio: { bytesReceived: 0, packetsReceived: 0, totalAudioEnergy: 0, level: 0, maxLevel: 0 },
    video: { source: null, framesSent: 0 },
  };
  window.vocalis = view;

  let pc = null;
  let channel = null;
  let mic = null;
  let statsTimer = null;
  let levelTimer = null;
  let audioContext = null;
  let agentLine = null; // the <li> of the reply being spoken
  let videoSender = null; // the RTCRtpSender of the video transceiver
  let videoStream = null; // the camera or screen stream being sent

  // ---- rendering ---------------------------------------------------------------------------

  function setConnection(value) {
    view.connection = value;
    const el = $("connection");
    el.textContent = value;
    el.dataset.value = value;
  }

  function setAgentState(value) {
    view.agentState = value;
    const el = $("agent-state");
    el.textContent = value || "—";
    el.dataset.value = value || "idle";
  }

  function addHistory(who, text) {
    const li = document.createElement("li");
    li.className = who;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who === "user" ? "You" : "Agent";
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.append(name, body);
    $("history").append(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  function showError(message) {
    view.errors.push(message);
    const el = $("error");
    el.textContent = message;
    el.hidden = false;
  }

  function showNotice(notice) {
    if (notice.code && view.notices.some((n) => n.code === notice.code)) return;
    view.notices.push(notice);
    const box = document.createElement("div");
    box.className = `notice ${notice.level || "info"}`;
    box.dataset.code = notice.code || "";
    const message = document.createElement("p");
    message.textContent = notice.message || "";
    box.append(message);
    if (notice.setting) {
      const hint = document.createElement("p");
      hint.className = "setting";
      hint.append("Add this setting and restart the server: ");
      const code = document.createElement("code");
      code.textContent = notice.setting;
      hint.append(code);
      box.append(hint);
    }
    $("notices").append(box);
  }

  // ---- events from the agent ---------------------------------------------------------------

  function onEvent(message) {
    switch (message.type) {
      case "ready":
        $("text-input").disabled = false;
        $("text-send").disabled = false;
        break;
      case "user_transcript":
        if (message.is_final) {
          view.userInterim = "";
          view.userTranscripts.push(message.text);
          $("user-live").textContent = message.text;
          $("user-live").classList.remove("interim");
          addHistory("user", message.text);
          agentLine = null;
        } else {
          view.userInterim = message.text;
          $("user-live").textContent = message.text;
          $("user-live").classList.add("interim");
        }
        break;
      case "agent_text":
        view.agentTexts.push(message.text);
        if (agentLine === null) {
          agentLine = addHistory("agent", message.text);
          $("agent-live").textContent = message.text;
        } else {
          const body = agentLine.querySelector(".text");
          body.textContent = `${body.textContent} ${message.text}`;
          $("agent-live").textContent = body.textContent;
        }
        break;
      case "agent_state":
        setAgentState(message.state);
        if (message.state === "thinking") agentLine = null;
        break;
      case "interrupted":
        if (agentLine) agentLine.classList.add("interrupted");
        agentLine = null;
        break;
      case "notice":
        showNotice(message);
        break;
      case "error":
        showError(`${message.source}: ${message.message}`);
        break;
      default:
        break;
    }
  }

  // ---- audio statistics (also the test's proof that agent audio arrived) -------------------

  async function pollStats() {
    if (!pc) return;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        view.audio.bytesReceived = s.bytesReceived || 0;
        view.audio.packetsReceived = s.packetsReceived || 0;
        view.audio.totalAudioEnergy = s.totalAudioEnergy || 0;
      }
      if (s.type === "outbound-rtp" && s.kind === "video") {
        view.video.framesSent = s.framesEncoded || s.framesSent || 0;
      }
    });
  }

  function watchLevel(stream) {
    audioContext = new AudioContext();
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 1024;
    audioContext.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    levelTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      const level = Math.sqrt(sum / samples.length);
      view.audio.level = level;
      view.audio.maxLevel = Math.max(view.audio.maxLevel, level);
      $("level").style.width = `${Math.min(100, level * 400)}%`;
    }, 50);
  }

  // ---- video: camera or screen share -------------------------------------------------------

  function setVideoButtons(source) {
    view.video.source = source;
    for (const [id, kind] of [["camera", "camera"], ["screen", "screen"]]) {
      $(id).setAttribute("aria-pressed", String(source === kind));
    }
    const preview = $("preview");
    preview.hidden = !source;
    preview.srcObject = source ? videoStream : null;
  }

  async function stopVideo() {
    if (videoSender) await videoSender.replaceTrack(null).catch(() => {});
    if (videoStream) videoStream.getTracks().forEach((t) => t.stop());
    videoStream = null;
    setVideoButtons(null);
  }

  async function startVideo(source) {
    await stopVideo();
    const constraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { max: 10 } };
    videoStream = source === "camera"
      ? await navigator.mediaDevices.getUserMedia({ video: constraints })
      : await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: 5 } } });
    const track = videoStream.getVideoTracks()[0];
    track.addEventListener("ended", () => stopVideo());
    await videoSender.replaceTrack(track);
    setVideoButtons(source);
  }

  for (const source of ["camera", "screen"]) {
    $(source).addEventListener("click", async () => {
      if (!videoSender) return;
      try {
        if (view.video.source === source) await stopVideo();
        else await startVideo(source);
      } catch (err) {
        await stopVideo();
        showError(`Could not share the ${source}: ${err.message || err}`);
      }
    });
  }

  // ---- call --------------------------------------------------------------------------------

  function waitForIceGathering(connection, timeoutMs) {
    if (connection.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        connection.removeEventListener("icegatheringstatechange", check);
        resolve();
      };
      const check = () => {
        if (connection.iceGatheringState === "complete") done();
      };
      connection.addEventListener("icegatheringstatechange", check);
      setTimeout(done, timeoutMs);
    });
  }

  async function start() {
    $("error").hidden = true;
    setConnection("connecting");
    mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    pc = new RTCPeerConnection({ iceServers: [] });
    pc.addEventListener("connectionstatechange", () => {
      setConnection(pc ? pc.connectionState : "disconnected");
      if (pc && (pc.connectionState === "failed" || pc.connectionState === "closed")) stop();
    });
    pc.addEventListener("track", (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      $("remote-audio").srcObject = stream;
      $("remote-audio").play().catch(() => {});
      watchLevel(stream);
    });
    for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    videoSender = pc.addTransceiver("video", { direction: "sendonly" }).sender;
    channel = pc.createDataChannel("events");
    channel.addEventListener("close", () => {
      if (pc) stop(); // the agent ended the call (or the connection dropped)
    });
    channel.addEventListener("message", (event) => {
      try {
        onEvent(JSON.parse(event.data));
      } catch (err) {
        showError(`bad event from the server: ${err}`);
      }
    });
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc, 2000);
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch("offer", {
      method: "POST",
      headers,
      body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`);
    await pc.setRemoteDescription({ sdp: body.sdp, type: body.type });
    statsTimer = setInterval(() => pollStats().catch(() => {}), 250);
    $("camera").disabled = false;
    $("screen").disabled = false;
  }

  function stop() {
    clearInterval(statsTimer);
    clearInterval(levelTimer);
    statsTimer = levelTimer = null;
    if (channel) channel.close();
    if (pc) pc.close();
    if (mic) mic.getTracks().forEach((t) => t.stop());
    if (videoStream) videoStream.getTracks().forEach((t) => t.stop());
    videoStream = videoSender = null;
    setVideoButtons(null);
    $("camera").disabled = true;
    $("screen").disabled = true;
    if (audioContext) audioContext.close().catch(() => {});
    channel = pc = mic = audioContext = null;
    setConnection("disconnected");
    setAgentState(null);
    $("text-input").disabled = true;
    $("text-send").disabled = true;
    const button = $("talk");
    button.dataset.state = "idle";
    button.textContent = "Start talking";
  }

  $("talk").addEventListener("click", async () => {
    const button = $("talk");
    if (button.dataset.state !== "idle") {
      stop();
      return;
    }
    button.dataset.state = "active";
    button.textContent = "Stop";
    try {
      await start();
    } catch (err) {
      stop();
      showError(`Could not start the call: ${err.message || err}`);
    }
  });

  // Notices the agent file publishes before any call (GET /notices), e.g. a missing LLM.
  (async () => {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    try {
      const response = await fetch("notices", { headers });
      if (!response.ok) return;
      const notices = await response.json();
      if (Array.isArray(notices)) notices.forEach(showNotice);
    } catch (err) {
      // No notices endpoint (another server): calls still work.
    }
  })();

  $("text-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text-input");
    const text = input.value.trim();
    if (!text || !channel || channel.readyState !== "open") return;
    channel.send(JSON.stringify({ type: "text", text }));
    addHistory("user", text);
    agentLine = null;
    input.value = "";
  });
})();
