// Every visible string of the panel, in Bahasa Indonesia (default) and English. t(key, params) looks one
// up; elements with data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder and
// data-i18n-title are filled from here by applyI18n() when the language changes.

const STRINGS = {
  // -- page and header --
  appName: ["Respon 112", "Respon 112"],
  appTitle: ["Panel operator 112", "112 operators' panel"],
  skipLink: ["Langsung ke konten utama", "Skip to main content"],
  loading: ["Memuat…", "Loading…"],
  loggedInAs: ["Masuk sebagai {user}", "Signed in as {user}"],
  role_operator: ["Operator", "Operator"],
  role_supervisor: ["Supervisor", "Supervisor"],
  role_admin: ["Admin", "Admin"],
  role_none: ["tanpa peran", "no role"],
  languageSwitch: ["English", "Bahasa Indonesia"],
  languageSwitchLabel: ["Switch to English (l)", "Ganti ke Bahasa Indonesia (l)"],
  help: ["Pintasan (?)", "Shortcuts (?)"],
  logout: ["Keluar", "Sign out"],
  clockLabel: ["Waktu {tz}", "{tz} time"],
  configError: [
    "Konfigurasi panel (/config.json) tidak dapat dimuat. Muat ulang halaman atau hubungi admin.",
    "The panel's configuration (/config.json) could not be loaded. Reload the page or call the admin.",
  ],
  // -- login --
  loginTitle: ["Masuk", "Sign in"],
  loginIntro: ["Masuk dengan akun operator Anda.", "Sign in with your operator account."],
  username: ["Nama pengguna", "Username"],
  password: ["Kata sandi", "Password"],
  signIn: ["Masuk", "Sign in"],
  signingIn: ["Sedang masuk…", "Signing in…"],
  newPasswordTitle: ["Buat kata sandi baru", "Choose a new password"],
  newPasswordIntro: [
    "Ini login pertama Anda: ganti kata sandi sementara. Minimal 12 karakter dengan huruf besar, huruf kecil, angka dan simbol.",
    "This is your first sign-in: replace the temporary password. At least 12 characters with upper and lower case letters, a digit and a symbol.",
  ],
  newPassword: ["Kata sandi baru", "New password"],
  confirmPassword: ["Ulangi kata sandi baru", "Repeat the new password"],
  savePassword: ["Simpan kata sandi", "Save password"],
  mfaSetupTitle: ["Pasang aplikasi autentikator", "Set up your authenticator app"],
  mfaSetupIntro: [
    "Tambahkan akun ini di aplikasi autentikator (mis. Google Authenticator) dengan kunci rahasia atau URI di bawah, lalu masukkan kode 6 angka yang ditampilkan.",
    "Add this account to an authenticator app (e.g. Google Authenticator) with the secret key or the URI below, then enter the 6-digit code it shows.",
  ],
  mfaSecret: ["Kunci rahasia", "Secret key"],
  mfaUri: ["URI otpauth", "otpauth URI"],
  mfaCode: ["Kode 6 angka", "6-digit code"],
  mfaTitle: ["Verifikasi dua langkah", "Two-step verification"],
  mfaIntro: [
    "Masukkan kode 6 angka dari aplikasi autentikator Anda.",
    "Enter the 6-digit code from your authenticator app.",
  ],
  confirm: ["Konfirmasi", "Confirm"],
  backToLogin: ["Kembali ke halaman masuk", "Back to sign-in"],
  err_required: ["Wajib diisi.", "Required."],
  err_passwordMismatch: ["Kedua kata sandi tidak sama.", "The two passwords differ."],
  err_passwordPolicy: [
    "Minimal 12 karakter dengan huruf besar, huruf kecil, angka dan simbol.",
    "At least 12 characters with upper and lower case letters, a digit and a symbol.",
  ],
  err_mfaCode: ["Masukkan 6 angka.", "Enter 6 digits."],
  auth_NotAuthorizedException: [
    "Nama pengguna atau kata sandi salah.",
    "Wrong username or password.",
  ],
  auth_UserNotFoundException: ["Nama pengguna atau kata sandi salah.", "Wrong username or password."],
  auth_InvalidPasswordException: [
    "Kata sandi tidak memenuhi aturan: minimal 12 karakter dengan huruf besar, huruf kecil, angka dan simbol.",
    "The password breaks the rules: at least 12 characters with upper and lower case letters, a digit and a symbol.",
  ],
  auth_CodeMismatchException: ["Kode salah. Coba kode terbaru.", "Wrong code. Try the latest code."],
  auth_EnableSoftwareTokenMFAException: ["Kode salah. Coba kode terbaru.", "Wrong code. Try the latest code."],
  auth_ExpiredCodeException: ["Kode kedaluwarsa. Masuk lagi.", "The code expired. Sign in again."],
  auth_PasswordResetRequiredException: [
    "Kata sandi harus direset oleh admin.",
    "Your password must be reset by an admin.",
  ],
  auth_UserNotConfirmedException: ["Akun belum dikonfirmasi. Hubungi admin.", "Account not confirmed. Call the admin."],
  auth_TooManyRequestsException: ["Terlalu banyak percobaan. Tunggu sebentar.", "Too many attempts. Wait a moment."],
  auth_LimitExceededException: ["Terlalu banyak percobaan. Tunggu sebentar.", "Too many attempts. Wait a moment."],
  auth_network: [
    "Layanan login tidak dapat dihubungi. Periksa jaringan.",
    "The sign-in service cannot be reached. Check the network.",
  ],
  auth_unknown: ["Login gagal: {message}", "Sign-in failed: {message}"],
  auth_unsupportedChallenge: ["Tantangan login tidak didukung: {name}", "Unsupported sign-in challenge: {name}"],
  sessionExpired: ["Sesi Anda berakhir. Silakan masuk lagi.", "Your session ended. Please sign in again."],
  refreshNetwork: [
    "Sesi Anda perlu diperbarui, tetapi layanan login tidak dapat dihubungi (masalah jaringan). Panel mencoba lagi otomatis; atau tekan Coba lagi.",
    "Your session needs renewing, but the sign-in service cannot be reached (a network problem). The panel retries by itself; or press Try again.",
  ],
  retrying: ["Mencoba lagi…", "Retrying…"],
  retry: ["Coba lagi", "Try again"],
  loggedOut: ["Anda sudah keluar.", "You are signed out."],
  notOperator: [
    "Akun ini bukan operator atau supervisor 112.",
    "This account is not a 112 operator or supervisor.",
  ],
  // -- queue --
  queueHeading: ["Antrean", "Queue"],
  tabsLabel: ["Daftar insiden", "Incident lists"],
  tab_queue: ["Masuk", "Incoming"],
  tab_mine: ["Milik saya", "Mine"],
  tab_dispatched: ["Diteruskan", "Dispatched"],
  tab_review: ["Semua ditinjau", "All in review"],
  emptyQueue: ["Tidak ada insiden yang menunggu.", "No incident is waiting."],
  emptyMine: ["Anda tidak sedang meninjau insiden.", "You are not reviewing any incident."],
  emptyDispatched: ["Tidak ada insiden yang diteruskan.", "No dispatched incident."],
  emptyReview: ["Tidak ada insiden yang sedang ditinjau.", "No incident is under review."],
  waiting: ["menunggu {time}", "waiting {time}"],
  waitingLabel: ["Waktu tunggu", "Waiting"],
  callerUnknown: ["tidak diketahui", "unknown"],
  heldBy: ["dipegang {user}", "held by {user}"],
  moreNotShown: ["Ada lebih banyak insiden; yang tertua ditampilkan.", "There are more incidents; the oldest are shown."],
  newIncidentAnnounce: [
    "Insiden baru: {channel} dari {caller}. {count} menunggu.",
    "New incident: {channel} from {caller}. {count} waiting.",
  ],
  queueTitleCount: ["({count}) Respon 112", "({count}) Respon 112"],
  pollStale: [
    "Daftar tidak diperbarui sejak {time} ({problem}). Mencoba lagi…",
    "The lists have not been updated since {time} ({problem}). Retrying…",
  ],
  pollNeverLoaded: ["Daftar belum bisa dimuat ({problem}). Mencoba lagi…", "The lists could not be loaded yet ({problem}). Retrying…"],
  detailStale: [
    "Insiden ini tidak diperbarui sejak {time} ({problem}); yang tampil bisa sudah berubah. Mencoba lagi…",
    "This incident has not been updated since {time} ({problem}); what is shown may have changed. Retrying…",
  ],
  detailNeverLoaded: ["Insiden ini belum bisa dimuat ({problem}). Mencoba lagi…", "This incident could not be loaded yet ({problem}). Retrying…"],
  problem_network: ["koneksi ke API terputus", "no connection to the API"],
  problem_429: ["terlalu banyak permintaan, 429", "too many requests, 429"],
  problem_503: ["layanan tidak tersedia, 503", "service unavailable, 503"],
  problem_502: ["gateway bermasalah, 502", "bad gateway, 502"],
  problem_504: ["server tidak menjawab tepat waktu, 504", "server timed out, 504"],
  problem_403: ["akses ditolak, 403", "access refused, 403"],
  problem_5xx: ["kesalahan server {status}", "server error {status}"],
  problem_other: ["kesalahan {status}", "error {status}"],
  allOperators: ["Semua operator", "All operators"],
  reviewFilterLabel: ["Tampilkan yang dipegang", "Show incidents held by"],
  emptyReviewFiltered: ["{user} tidak sedang meninjau insiden.", "{user} is not reviewing any incident."],
  sinceStatus: ["Sejak {status}", "Since {status}"],
  verifiedBy: ["diverifikasi {user}", "verified by {user}"],
  handledBy: ["ditangani {user}", "handled by {user}"],
  draftChip: ["draf", "draft"],
  // -- detail --
  detailHeading: ["Insiden", "Incident"],
  noIncident: [
    "Pilih insiden dari antrean (j/k lalu Enter).",
    "Pick an incident from the queue (j/k, then Enter).",
  ],
  incidentLabel: ["Insiden {id}", "Incident {id}"],
  caller: ["Penelepon", "Caller"],
  channel: ["Kanal", "Channel"],
  receivedAt: ["Diterima", "Received"],
  status: ["Status", "Status"],
  assignedTo: ["Dipegang oleh", "Held by"],
  verifiedByLabel: ["Diverifikasi oleh", "Verified by"],
  nobody: ["belum ada", "nobody"],
  category: ["Kategori", "Category"],
  priority: ["Prioritas", "Priority"],
  summary: ["Ringkasan", "Summary"],
  report: ["Laporan asli", "Report as received"],
  noReport: ["Tidak ada teks laporan (panggilan suara).", "No report text (a voice call)."],
  noReportText: ["Tidak ada teks laporan.", "No report text."],
  unparsedTitle: ["Perlu dibaca manual", "Needs manual reading"],
  unparsedText: [
    "Laporan ini tidak bisa dibaca mesin. Baca isi mentahnya di \"Laporan asli\" dan nilai sendiri apa yang terjadi.",
    "The machine could not read this report. Read its raw content under \"Report as received\" and judge what happened.",
  ],
  rawKeyLabel: ["Arsip mentah", "Raw archive"],
  problemLabel: ["Masalah", "Problem"],
  locationAskedText: [
    "Pelapor sudah otomatis ditanya lokasinya lewat {channel} (nomor laporan {ref}).",
    "The citizen was automatically asked where, on {channel} (report number {ref}).",
  ],
  socialSender: ["akun {id}", "account {id}"],
  reporter: ["Pelapor", "Reporter"],
  source: ["Metadata sumber", "Source metadata"],
  location: ["Lokasi", "Location"],
  noLocation: ["Belum ada lokasi.", "No location yet."],
  amlPosition: ["Posisi ponsel (AML): {lat}, {lon} ±{acc} m", "Handset position (AML): {lat}, {lon} ±{acc} m"],
  amlHeading: ["Posisi ponsel (AML)", "Handset position (AML)"],
  amlAccuracy: ["Akurasi", "Accuracy"],
  amlAccuracyValue: ["±{m} m", "±{m} m"],
  amlMethod: ["Metode", "Method"],
  amlConfidence: ["Keyakinan", "Confidence"],
  amlFixedAt: ["Diukur ponsel", "Fixed by the handset"],
  amlReceivedAt: ["Diterima", "Received"],
  amlTransport: ["Dikirim lewat", "Sent by"],
  amlNumber: ["Nomor ponsel", "Handset number"],
  amlWarnings: ["Perhatian", "Caution"],
  amlWarning_TIME_AHEAD: [
    "Jam ponsel lebih maju dari waktu diterima: diurutkan menurut waktu diterima",
    "Handset clock ahead of arrival: ordered by the time received",
  ],
  amlWarning_TIME_STALE: [
    "Diukur jauh sebelum diterima: penelepon mungkin sudah berpindah",
    "Taken long before it arrived: the caller may have moved",
  ],
  amlWarning_LENGTH_MISMATCH: [
    "Panjang SMS (ml) tidak cocok: pesan mungkin rusak",
    "SMS length (ml) does not match: the message may be damaged",
  ],
  legendAml: ["Lingkaran jingga: posisi ponsel (AML), jari-jari = akurasi", "Orange circle: the handset's position (AML), radius = accuracy"],
  legendLocation: ["Penanda biru: lokasi insiden / titik yang dipilih", "Blue pin: the incident's location / the chosen point"],
  amlMarker: ["Posisi ponsel (AML)", "Handset position (AML)"],
  method_GNSS: ["GPS/GNSS", "GPS/GNSS"],
  method_WIFI: ["Wi-Fi", "Wi-Fi"],
  method_CELL: ["Jaringan seluler", "Mobile network (cell)"],
  method_UNKNOWN: ["tidak diketahui", "unknown"],
  transport_SMS: ["SMS", "SMS"],
  transport_HTTPS: ["HTTPS (data)", "HTTPS (data)"],
  locateDetails: ["{point} ±{acc} m · {method} · {transport}", "{point} ±{acc} m · {method} · {transport}"],
  source_dialledNumber: ["Nomor yang dihubungi", "Number dialled"],
  source_connectChannel: ["Jenis kontak (Connect)", "Contact type (Connect)"],
  source_initiationMethod: ["Cara kontak dimulai", "How the contact began"],
  source_languageCode: ["Bahasa kontak", "Contact language"],
  source_contactId: ["ID kontak (Connect)", "Contact id (Connect)"],
  source_initialContactId: ["ID kontak awal", "Initial contact id"],
  source_instanceArn: ["Instans Amazon Connect", "Amazon Connect instance"],
  attributeLabel: ["Atribut alur kontak “{name}”", "Contact flow attribute “{name}”"],
  attribute_language: ["Bahasa (alur kontak)", "Language (contact flow)"],
  sourceOther: ["Data lain (mentah)", "Other data (raw)"],
  connectChannel_VOICE: ["Suara (telepon)", "Voice (phone)"],
  connectChannel_CHAT: ["Chat", "Chat"],
  connectChannel_TASK: ["Tugas", "Task"],
  initiation_INBOUND: ["Panggilan masuk", "Inbound call"],
  initiation_OUTBOUND: ["Panggilan keluar", "Outbound call"],
  initiation_TRANSFER: ["Dialihkan dari agen lain", "Transferred by an agent"],
  initiation_QUEUE_TRANSFER: ["Dialihkan dari antrean lain", "Transferred from another queue"],
  initiation_CALLBACK: ["Panggilan balik", "Callback"],
  initiation_API: ["Dimulai lewat API", "Started through the API"],
  sourceKind_dm: ["Pesan langsung", "Direct message"],
  sourceKind_mention: ["Sebutan di posting", "Mention in a post"],
  source_name: ["Nama pelapor", "Reporter's name"],
  source_rawKey: ["Arsip mentah", "Raw archive"],
  source_problem: ["Masalah", "Problem"],
  source_locationAccuracyM: ["Akurasi lokasi dari browser (m)", "Browser location accuracy (m)"],
  source_instagramSender: ["Pengirim Instagram (ID)", "Instagram sender (id)"],
  source_instagramAccount: ["Akun Instagram 112 (ID)", "112 Instagram account (id)"],
  source_messageId: ["ID pesan", "Message id"],
  source_attachments: ["Lampiran", "Attachments"],
  source_twitterUser: ["Pengguna X (ID)", "X user (id)"],
  source_screenName: ["Nama akun X", "X handle"],
  source_tweetId: ["ID posting", "Post id"],
  source_kind: ["Jenis", "Kind"],
  mapLabel: ["Peta lokasi insiden", "Map of the incident's location"],
  zoomIn: ["Perbesar", "Zoom in"],
  zoomOut: ["Perkecil", "Zoom out"],
  flags: ["Tanda", "Flags"],
  mapHint: [
    "Saat meninjau: klik peta, atau Tab ke peta, geser dengan panah lalu Enter untuk memilih titik di tanda silang; Delete menghapusnya. Peta tetap berfungsi tanpa ubin/internet.",
    "While reviewing: click the map, or Tab to it, pan with the arrows and press Enter to set the point under the crosshair; Delete clears it. It works without tiles or internet.",
  ],
  mapNoteDistrict: ["Lokasi: Kecamatan {district} (tanpa titik)", "Location: {district} district (no point)"],
  mapNoteAddress: ["Lokasi: alamat saja (tanpa titik)", "Location: address only (no point)"],
  districtOnMap: ["Kec. {district}", "{district} district"],
  noPointYet: ["tanpa titik di peta", "no point on the map"],
  pointSet: ["Titik dipilih: {point}", "Point set: {point}"],
  pointCleared: ["Titik dihapus.", "Point cleared."],
  pointChosen: ["Titik dipilih", "Chosen point"],
  rejection: ["Penolakan", "Rejection"],
  duplicateOfLabel: ["Duplikat dari {id}", "Duplicate of {id}"],
  timeline: ["Riwayat", "Timeline"],
  dispatches: ["Instansi yang diberi tahu", "Agencies notified"],
  noDispatches: ["Belum ada instansi yang diberi tahu.", "No agency notified yet."],
  notifiedAt: ["diberi tahu {time}", "notified {time}"],
  acknowledgedAtBy: ["dikonfirmasi {time} oleh {user}", "confirmed {time} by {user}"],
  actionsLabel: ["Tindakan", "Actions"],
  claim: ["Ambil (c)", "Claim (c)"],
  verify: ["Verifikasi A1 (v)", "Verify A1 (v)"],
  reject: ["Tolak (r)", "Reject (r)"],
  acknowledge: ["Catat konfirmasi instansi (a)", "Record agency confirmation (a)"],
  acknowledgeAgency: ["Catat konfirmasi {agency}", "Record {agency}'s confirmation"],
  close: ["Tutup insiden (x)", "Close incident (x)"],
  reassign: ["Alihkan (t)", "Reassign (t)"],
  closeDetail: ["Tutup tampilan (Esc)", "Close view (Esc)"],
  claimed: ["Insiden diambil. Anda yang meninjau.", "Incident claimed. You are reviewing it."],
  verified: [
    "Terverifikasi A1. Permintaan dikirim ke: {agencies}.",
    "Verified A1. Request sent to: {agencies}.",
  ],
  rejected: ["Insiden ditolak ({reason}).", "Incident rejected ({reason})."],
  acknowledged: ["Konfirmasi {agency} dicatat.", "{agency}'s confirmation recorded."],
  closed: ["Insiden ditutup.", "Incident closed."],
  reassigned: ["Insiden dialihkan ke {user}.", "Incident reassigned to {user}."],
  noAml: ["Belum ada posisi ponsel (AML) untuk insiden ini.", "No handset position (AML) for this incident yet."],
  alreadyYours: ["Anda sudah meninjau insiden ini.", "You are already reviewing this incident."],
  claimNotPossible: [
    "Tidak bisa diambil: insiden ini berstatus {status}. Hanya insiden berstatus Diterima yang bisa diambil.",
    "Cannot be claimed: this incident is {status}. Only received incidents can be claimed.",
  ],
  claimFirst: [
    "Ambil insiden ini dulu (c) untuk memverifikasi atau menolaknya.",
    "Claim this incident first (c) to verify or reject it.",
  ],
  formNotNow: ["Formulir tidak tersedia: insiden ini berstatus {status}.", "No form now: this incident is {status}."],
  draftKept: [
    "Formulir ditutup; isian disimpan sebagai draf (tekan {key} untuk melanjutkan).",
    "Form closed; your input is kept as a draft (press {key} to go on).",
  ],
  draftKeptFor: [
    "Isian formulir insiden …{ref} disimpan sebagai draf; buka lagi insiden itu untuk melanjutkan.",
    "The form of incident …{ref} is kept as a draft; open that incident again to go on.",
  ],
  draftKeptShort: ["Isian Anda disimpan sebagai draf.", "Your input is kept as a draft."],
  draftRestored: ["Draf formulir dipulihkan.", "Form draft restored."],
  draftDiscarded: ["Isian formulir dibuang.", "Form input discarded."],
  discardDraft: ["Buang isian", "Discard input"],
  draftHint: [
    "Esc menutup formulir; isian tetap tersimpan sebagai draf sampai dikirim atau dibuang.",
    "Esc closes the form; your input stays as a draft until it is sent or discarded.",
  ],
  callWaiting: [
    "Panggilan masuk: insiden …{ref}. Formulir Anda tetap di sini.",
    "Incoming call: incident …{ref}. Your form stays here.",
  ],
  callOpen: ["Buka insiden panggilan (draf disimpan)", "Open the call's incident (draft kept)"],
  callLater: ["Nanti", "Later"],
  callOffer: [
    "Panggilan 112 ini belum punya insiden (pendaftaran otomatis gagal atau terlambat). Penelepon: {caller}.",
    "This 112 call has no incident yet (the automatic registration failed or was late). Caller: {caller}.",
  ],
  callOfferMore: ["(+{count} panggilan lain menunggu)", "(+{count} more calls waiting)"],
  callOfferOpen: ["Buka insiden panggilan ini (i)", "Open this call's incident (i)"],
  callOfferOpened: [
    "Insiden panggilan …{ref} dibuat oleh Anda: pendaftaran otomatis tidak sampai.",
    "You opened the call's incident …{ref}: the automatic registration did not arrive.",
  ],
  callOfferFound: [
    "Panggilan ini sudah punya insiden …{ref} (didaftarkan oleh {who}); itu yang dibuka.",
    "This call already had incident …{ref} (registered by {who}); that one is open.",
  ],
  // -- conflicts and errors --
  conflict_reassigned: [
    "Insiden ini dialihkan oleh {by} ke {user}; Anda tidak lagi memegangnya.",
    "This incident was reassigned by {by} to {user}; you no longer hold it.",
  ],
  conflictKeptForm: [
    "Isian Anda masih di sini: periksa perubahan di atas lalu kirim lagi.",
    "Your input is still here: check the change above and send again.",
  ],
  conflict_claimed: [
    "Insiden ini sudah diambil oleh {user}.",
    "This incident was already taken by {user}.",
  ],
  conflict_status: [
    "Tidak bisa: insiden ini sudah berstatus {status} (oleh {user}). Tampilan diperbarui.",
    "Not possible: this incident is already {status} (by {user}). The view was refreshed.",
  ],
  conflict_changed: [
    "Insiden ini baru saja diubah oleh {user}. Tampilan diperbarui; periksa lalu coba lagi.",
    "This incident was just changed by {user}. The view was refreshed; check it and try again.",
  ],
  notFound: ["Insiden tidak ditemukan.", "Incident not found."],
  forbidden: ["Anda tidak berhak melakukan ini.", "You are not allowed to do this."],
  serverError: ["Permintaan gagal (kesalahan {status}). Coba lagi.", "The request failed (error {status}). Try again."],
  serviceUnavailable: [
    "Layanan sedang bermasalah (kesalahan {status}). Coba lagi sebentar lagi.",
    "The service is having trouble (error {status}). Try again in a moment.",
  ],
  tooManyRequests: ["Terlalu banyak permintaan ke server. Tunggu sebentar lalu coba lagi.", "Too many requests to the server. Wait a moment, then try again."],
  badRequest: ["Permintaan ditolak server (400).", "The server refused the request (400)."],
  unexpectedError: ["Terjadi kesalahan tak terduga di panel.", "Something unexpected went wrong in the panel."],
  serverSaid: ["Pesan server:", "Server says:"],
  networkError: ["Tidak dapat menghubungi API. Periksa jaringan lalu coba lagi.", "Cannot reach the API. Check the network and try again."],
  formInvalid: ["Periksa isian yang ditandai.", "Check the marked fields."],
  formInvalidServer: ["Server menolak isian; periksa yang ditandai.", "The server refused the input; check the marked fields."],
  fieldRefused: ["Ditolak server.", "Refused by the server."],
  // -- verify form --
  verifyTitle: ["Verifikasi A1 dan teruskan", "Verify A1 and dispatch"],
  chooseCategory: ["— pilih kategori —", "— choose a category —"],
  district: ["Kecamatan", "District"],
  chooseDistrict: ["— pilih kecamatan —", "— choose a district —"],
  address: ["Alamat atau patokan", "Address or landmark"],
  point: ["Titik di peta", "Point on the map"],
  noPoint: ["belum dipilih — klik peta", "none yet — click the map"],
  clearPoint: ["Hapus titik", "Clear point"],
  useAml: ["Pakai posisi AML", "Use the AML position"],
  locationHint: [
    "Isi minimal satu: kecamatan, alamat, atau titik di peta.",
    "Give at least one: district, address, or a point on the map.",
  ],
  agencies: ["Instansi yang diberi tahu", "Agencies to notify"],
  agenciesHint: [
    "Dipilih otomatis sesuai kategori; ubah bila perlu.",
    "Chosen from the category; change them if needed.",
  ],
  submitVerify: ["Verifikasi A1 & teruskan", "Verify A1 & dispatch"],
  cancel: ["Batal (Esc)", "Cancel (Esc)"],
  closeForm: ["Tutup (Esc)", "Close (Esc)"],
  ctrlEnterHint: ["Ctrl+Enter mengirim formulir.", "Ctrl+Enter submits the form."],
  err_category: ["Pilih kategori.", "Choose a category."],
  err_priority: ["Pilih prioritas.", "Choose a priority."],
  err_summary: ["Ringkasan 3–2000 karakter.", "Summary of 3–2000 characters."],
  err_location: [
    "Isi kecamatan, alamat (min. 3 karakter) atau pilih titik di peta.",
    "Give a district, an address (3+ characters) or a point on the map.",
  ],
  err_address: ["Alamat 3–500 karakter.", "Address of 3–500 characters."],
  err_agencies: ["Pilih minimal satu instansi.", "Choose at least one agency."],
  // -- reject form --
  rejectTitle: ["Tolak laporan", "Reject the report"],
  rejectReason: ["Alasan", "Reason"],
  reason_PRANK: ["Aduan iseng (prank)", "Prank call"],
  reason_NON_EMERGENCY: ["Bukan darurat", "Not an emergency"],
  reason_DUPLICATE: ["Duplikat insiden lain", "Duplicate of another incident"],
  adviceNote: [
    "Saran yang diberikan (selesaikan bersama, gotong royong)",
    "Advice given (solve it together, gotong royong)",
  ],
  note: ["Catatan", "Note"],
  duplicateOf: ["ID insiden yang diduplikasi", "Id of the incident it duplicates"],
  duplicatePick: ["Pilih dari insiden terbuka", "Pick from open incidents"],
  duplicateNone: ["— pilih insiden —", "— choose an incident —"],
  submitReject: ["Tolak laporan", "Reject the report"],
  err_reason: ["Pilih alasan.", "Choose a reason."],
  err_advice: ["Tulis saran yang diberikan (min. 3 karakter).", "Write the advice given (3+ characters)."],
  err_duplicateOf: ["Masukkan ID insiden (26 karakter ULID).", "Enter an incident id (26-character ULID)."],
  err_duplicateSelf: ["Insiden tidak bisa menduplikasi dirinya.", "An incident cannot duplicate itself."],
  err_note: ["Catatan maksimal 1000 karakter.", "Note of at most 1000 characters."],
  // -- acknowledge / close / reassign dialogs --
  ackTitle: ["Catat konfirmasi instansi", "Record an agency's confirmation"],
  ackAgency: ["Instansi", "Agency"],
  ackNote: ["Catatan (siapa yang mengonfirmasi, unit)", "Note (who confirmed, unit)"],
  submitAck: ["Catat konfirmasi", "Record confirmation"],
  closeTitle: ["Tutup insiden", "Close the incident"],
  outcome: ["Hasil penanganan", "Outcome"],
  submitClose: ["Tutup insiden", "Close the incident"],
  err_outcome: ["Tulis hasil penanganan (1–1000 karakter).", "Write the outcome (1–1000 characters)."],
  reassignTitle: ["Alihkan ke operator lain", "Hand over to another operator"],
  assignee: ["Operator tujuan", "Hand over to"],
  chooseOperator: ["— pilih operator —", "— choose an operator —"],
  submitReassign: ["Alihkan", "Reassign"],
  err_assignee: ["Pilih operator.", "Choose an operator."],
  // -- help --
  helpTitle: ["Pintasan keyboard", "Keyboard shortcuts"],
  closeDialog: ["Tutup (Esc)", "Close (Esc)"],
  key_move: ["Pindah di daftar (Home / End: awal / akhir)", "Move in the list (Home / End: first / last)"],
  key_newest: ["Ke insiden terbaru di daftar", "Jump to the newest incident in the list"],
  key_aml: ["Pakai posisi AML sebagai titik (Alt+P di dalam formulir)", "Use the AML position as the point (Alt+P inside the form)"],
  key_clearPoint: ["Hapus titik (Alt+H di dalam formulir)", "Clear the point (Alt+H inside the form)"],
  key_mapKeys: ["← ↑ → ↓ · + − · Enter · Delete", "← ↑ → ↓ · + − · Enter · Delete"],
  key_map: [
    "Di peta: geser, perbesar/perkecil, pilih titik di tanda silang, hapus titik",
    "On the map: pan, zoom, set the point under the crosshair, clear it",
  ],
  key_open: ["Buka insiden terpilih", "Open the selected incident"],
  key_claim: ["Ambil insiden", "Claim the incident"],
  key_verify: ["Formulir verifikasi A1", "Verification form (A1)"],
  key_reject: ["Formulir penolakan", "Rejection form"],
  key_ack: ["Catat konfirmasi instansi", "Record an agency's confirmation"],
  key_close: ["Tutup insiden (hasil)", "Close the incident (outcome)"],
  key_reassign: ["Alihkan (supervisor)", "Reassign (supervisor)"],
  key_tabs: ["Pindah tab: masuk, milik saya, diteruskan, semua ditinjau", "Tabs: incoming, mine, dispatched, all in review"],
  key_lang: ["Ganti bahasa", "Switch language"],
  key_help: ["Bantuan ini", "This help"],
  key_escape: [
    "Tutup formulir (isian jadi draf) atau dialog; tanpa formulir: tutup tampilan insiden",
    "Close a form (its input kept as a draft) or dialog; with no form open: close the incident's view",
  ],
  key_submit: ["Kirim formulir (dari kolom teks)", "Submit the form (from a text field)"],
  key_callOffer: [
    "Buka insiden panggilan yang masuk tanpa insiden (Alt+I di dalam formulir)",
    "Open the incident of a call that came without one (Alt+I inside a form)",
  ],
  keysNote: [
    "Pintasan satu tombol tidak aktif di dalam formulir (kolom, pilihan, kotak centang); di sana hanya Esc, Ctrl+Enter dan Alt+… yang berlaku.",
    "Single-key shortcuts do not fire inside a form (fields, options, checkboxes); there only Esc, Ctrl+Enter and Alt+… work.",
  ],
  // -- the public report form (report.html) --
  reportPageTitle: ["Lapor ke 112 — Respon 112", "Report to 112 — Respon 112"],
  reportConfigError: [
    "Formulir tidak dapat dimuat. Muat ulang halaman. Dalam keadaan darurat, telepon 112.",
    "The form could not be loaded. Reload the page. In an emergency, call 112.",
  ],
  reportLink: ["Lapor lewat web", "Report on the web"],
  citizenPrompt: ["Warga yang ingin melapor:", "Citizens who want to report:"],
  reportHeading: ["Lapor kejadian darurat", "Report an emergency"],
  emergencyOnlyTitle: ["112 hanya untuk keadaan darurat.", "112 is for emergencies only."],
  emergencyOnlyText: [
    "Dalam bahaya atau ada nyawa terancam? Jangan mengetik: telepon 112 sekarang. Gratis, 24 jam.",
    "In danger, or a life at risk? Do not type: call 112 now. Free, 24 hours.",
  ],
  call112: ["Telepon 112", "Call 112"],
  reportIntro: [
    "Pakai formulir ini bila Anda tidak bisa menelepon. Petugas 112 membaca setiap laporan dan akan menelepon Anda bila perlu.",
    "Use this form when you cannot call. A 112 operator reads every report and will call you back if needed.",
  ],
  requiredNote: ["Kolom bertanda * wajib diisi.", "Fields marked * are required."],
  rf_description: ["Apa yang terjadi? *", "What is happening? *"],
  rf_descriptionHint: [
    "Siapa yang butuh bantuan, apa yang terjadi, sejak kapan. 10–2000 karakter.",
    "Who needs help, what happened, since when. 10–2000 characters.",
  ],
  rf_where: ["Di mana? *", "Where? *"],
  rf_whereHint: [
    "Isi minimal satu: kecamatan, alamat atau patokan, atau lokasi Anda.",
    "Give at least one: the district, an address or landmark, or your location.",
  ],
  rf_addressHint: [
    "Mis. desa/kelurahan, nama jalan, dekat masjid atau pasar.",
    "E.g. the village, the street, near a mosque or a market.",
  ],
  useMyLocation: ["Gunakan lokasi saya", "Use my location"],
  locationConsent: [
    "Lokasi hanya dibaca bila Anda menekan tombol ini, dan hanya dikirim bersama laporan.",
    "Your location is read only when you press this button, and only sent with the report.",
  ],
  locating: ["Mencari lokasi Anda…", "Finding your location…"],
  locationFound: ["Lokasi Anda: {lat}, {lon} (akurasi ±{acc}).", "Your location: {lat}, {lon} (accuracy ±{acc})."],
  locationCoarse: [
    "Kurang akurat: tambahkan alamat atau patokan.",
    "Not precise: add an address or a landmark.",
  ],
  clearLocation: ["Hapus lokasi", "Remove the location"],
  locationCleared: ["Lokasi dihapus; tidak akan dikirim.", "Location removed; it will not be sent."],
  geo_denied: [
    "Izin lokasi ditolak. Tulis kecamatan atau alamat.",
    "Location permission refused. Give the district or an address.",
  ],
  geo_unavailable: [
    "Lokasi tidak dapat ditentukan. Tulis kecamatan atau alamat.",
    "Your location could not be found. Give the district or an address.",
  ],
  geo_timeout: [
    "Lokasi terlalu lama dicari. Coba lagi atau tulis alamat.",
    "Finding your location took too long. Try again or give an address.",
  ],
  geo_unsupported: [
    "Browser ini tidak bisa memberi lokasi. Tulis kecamatan atau alamat.",
    "This browser cannot give a location. Give the district or an address.",
  ],
  geo_tooCoarse: [
    "Lokasi terlalu kasar (±{acc}) dan tidak dipakai. Tulis kecamatan atau alamat.",
    "The location is too rough (±{acc}) and is not used. Give the district or an address.",
  ],
  rf_phone: ["Nomor telepon untuk dihubungi kembali *", "Phone number to call you back *"],
  rf_phoneHint: ["Nomor Indonesia: 08… atau +62…", "An Indonesian number: 08… or +62…"],
  rf_name: ["Nama (boleh dikosongkan)", "Name (optional)"],
  submitReport: ["Kirim laporan", "Send the report"],
  sending: ["Mengirim…", "Sending…"],
  err_description: [
    "Ceritakan kejadiannya dalam 10–2000 karakter.",
    "Describe what is happening in 10–2000 characters.",
  ],
  err_phone: [
    "Tulis nomor Indonesia yang bisa dihubungi: 08… atau +62… (mis. 081234567890).",
    "Give an Indonesian number we can call: 08… or +62… (e.g. 081234567890).",
  ],
  err_where: [
    "Pilih kecamatan, tulis alamat (min. 3 karakter), atau gunakan lokasi Anda.",
    "Choose a district, write an address (3+ characters) or use your location.",
  ],
  err_name: ["Nama maksimal 100 karakter.", "Name of at most 100 characters."],
  serverRefused: ["Ditolak server: {msg}", "Refused by the server: {msg}"],
  reportKeptUnparsed: [
    "Laporan Anda tetap disimpan untuk dibaca petugas (nomor {ref}). Perbaiki isian yang ditandai lalu kirim lagi.",
    "Your report was kept for an operator to read (number {ref}). Fix the marked fields and send it again.",
  ],
  rateLimited: [
    "Terlalu banyak laporan dari jaringan ini. Coba lagi dalam {wait}. Jika darurat, telepon 112 sekarang.",
    "Too many reports from this network. Try again in {wait}. In an emergency, call 112 now.",
  ],
  waitUnknown: ["beberapa menit", "a few minutes"],
  dur_s: ["{n} detik", "{n} seconds"],
  dur_s1: ["1 detik", "1 second"],
  dur_m: ["{n} menit", "{n} minutes"],
  dur_m1: ["1 menit", "1 minute"],
  dur_h: ["{n} jam", "{n} hours"],
  dur_h1: ["1 jam", "1 hour"],
  networkReport: [
    "Laporan belum terkirim: tidak ada koneksi. Periksa internet lalu tekan Kirim lagi; laporan yang sama tidak tercatat dua kali. Jika darurat, telepon 112.",
    "Not sent: no connection. Check the internet and press Send again; the same report is never recorded twice. In an emergency, call 112.",
  ],
  serverErrorReport: [
    "Laporan belum terkirim (kesalahan {status}). Coba lagi sebentar lagi. Jika darurat, telepon 112.",
    "Not sent (error {status}). Try again in a moment. In an emergency, call 112.",
  ],
  receivedTitle: ["Laporan terkirim", "Report sent"],
  referenceLabel: ["Nomor laporan", "Report number"],
  referenceHint: [
    "Sebutkan nomor ini bila petugas menelepon Anda atau bila Anda menelepon 112.",
    "Quote this number when an operator calls you or when you call 112.",
  ],
  newReport: ["Buat laporan lain", "Make another report"],
  // -- Amazon Connect --
  phoneHeading: ["Telepon (Amazon Connect)", "Phone (Amazon Connect)"],
  connectNotConfigured: [
    "Amazon Connect belum dikonfigurasi: terima panggilan di telepon meja; panel tetap berfungsi penuh.",
    "Amazon Connect is not configured: answer calls on the desk phone; the panel works fully.",
  ],
  connectLoading: ["Memuat softphone…", "Loading the softphone…"],
  connectFailed: ["Softphone gagal dimuat: {message}", "The softphone failed to load: {message}"],
  connectIncoming: ["Panggilan masuk: insiden {id}.", "Incoming call: incident {id}."],
  phoneHide: ["Sembunyikan", "Hide"],
  phoneHideLabel: ["Sembunyikan telepon", "Hide the phone"],
  phoneShow: ["Telepon", "Phone"],
  phoneShowLabel: ["Tampilkan telepon (Amazon Connect)", "Show the phone (Amazon Connect)"],
  // -- vocabularies --
  status_RECEIVED: ["Diterima", "Received"],
  status_IN_REVIEW: ["Ditinjau", "In review"],
  status_VERIFIED: ["Terverifikasi", "Verified"],
  status_DISPATCHED: ["Diteruskan", "Dispatched"],
  status_ACKNOWLEDGED: ["Dikonfirmasi instansi", "Acknowledged"],
  status_CLOSED: ["Selesai", "Closed"],
  status_REJECTED: ["Ditolak", "Rejected"],
  category_FIRE: ["Kebakaran", "Fire"],
  category_CRIME: ["Kriminalitas", "Crime"],
  category_MEDICAL: ["Kedaruratan medis", "Medical emergency"],
  category_TRAFFIC_ACCIDENT: ["Kecelakaan lalu lintas", "Traffic accident"],
  category_DISASTER: ["Bencana", "Disaster"],
  category_RESCUE: ["Penyelamatan", "Rescue"],
  category_OTHER: ["Lainnya", "Other"],
  priority_P1: ["P1 — nyawa terancam sekarang", "P1 — life in danger now"],
  priority_P2: ["P2 — mendesak", "P2 — urgent"],
  priority_P3: ["P3 — tidak mendesak", "P3 — not urgent"],
  channel_VOICE: ["Telepon 112", "112 call"],
  channel_CHAT: ["Chat", "Chat"],
  channel_WEB: ["Formulir web", "Web form"],
  channel_INSTAGRAM: ["Instagram", "Instagram"],
  channel_TWITTER: ["X (Twitter)", "X (Twitter)"],
  channel_WALK_IN: ["Datang langsung", "Walk-in"],
  channel_RADIO: ["Radio", "Radio"],
  channel_OTHER: ["Lainnya", "Other"],
  flag_CALLER_UNKNOWN: ["Nomor tidak diketahui", "Caller unknown"],
  flag_UNPARSED: ["Perlu dibaca manual", "Needs manual reading"],
  flag_LOCATION_ASKED: ["Lokasi ditanyakan", "Location asked"],
  flag_CANNOT_SPEAK: ["Penelepon tidak dapat bicara", "Caller cannot speak"],
  flag_REPEAT_PRANK: ["Pernah iseng", "Repeat prank"],
  dispatch_NOTIFIED: ["Diberi tahu", "Notified"],
  dispatch_ACKNOWLEDGED: ["Dikonfirmasi", "Acknowledged"],
  action_REGISTER: ["Diterima", "Registered"],
  action_CLAIM: ["Diambil", "Claimed"],
  action_REASSIGN: ["Dialihkan", "Reassigned"],
  action_LOCATE: ["Posisi ponsel (AML) diterima", "Handset position (AML) received"],
  action_VERIFY: ["Diverifikasi A1", "Verified A1"],
  action_REJECT: ["Ditolak", "Rejected"],
  action_DISPATCH: ["Diteruskan", "Dispatched"],
  action_AGENCY_ACKNOWLEDGE: ["Konfirmasi instansi", "Agency confirmed"],
  action_ACKNOWLEDGE: ["Semua instansi konfirmasi", "All agencies confirmed"],
  action_CLOSE: ["Ditutup", "Closed"],
  action_FLAG: ["Ditandai", "Flagged"],
  systemActor: ["sistem ({what})", "system ({what})"],
  system_intake: ["telepon 112", "112 call"],
  system_connect: ["alur panggilan 112", "112 call flow"],
  system_web: ["formulir web", "web form"],
  system_instagram: ["Instagram", "Instagram"],
  system_twitter: ["X", "X"],
  system_aml: ["AML", "AML"],
  system_dispatch: ["pengiriman ke instansi", "dispatch to agencies"],
  tl_channel: ["lewat {channel}", "via {channel}"],
  registerReason_CALL_WITHOUT_INCIDENT: [
    "dibuka operator: panggilan tiba tanpa insiden",
    "opened by the operator: the call arrived without an incident",
  ],
  tl_reassign: ["dari {from} ke {to}", "from {from} to {to}"],
  tl_assign: ["ke {to}", "to {to}"],
  tl_grade: ["tingkat {grade}", "grade {grade}"],
  tl_agencies: ["instansi: {agencies}", "agencies: {agencies}"],
  tl_agency: ["instansi: {agency}", "agency: {agency}"],
  tl_pending: ["masih menunggu: {agencies}", "still waiting for: {agencies}"],
  tl_note: ["catatan: {note}", "note: {note}"],
  tl_outcome: ["hasil: {note}", "outcome: {note}"],
};

export const LANGUAGES = ["id", "en"];
const STORAGE_KEY = "respon112.lang";
let current = "id";
const listeners = [];

export function initLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  current = LANGUAGES.includes(stored) ? stored : "id";
  document.documentElement.lang = current;
}

export function lang() {
  return current;
}

export function setLanguage(next) {
  current = LANGUAGES.includes(next) ? next : "id";
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = current;
  applyI18n(document);
  for (const listener of listeners) listener(current);
}

export function toggleLanguage() {
  setLanguage(current === "id" ? "en" : "id");
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function has(key) {
  return Object.hasOwn(STRINGS, key);
}

/** The string for `key` in the current language, with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  const entry = STRINGS[key];
  const text = entry ? entry[current === "en" ? 1 : 0] : key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** A vocabulary term (status, category, …) or the raw code when the table has no entry (a new flag). */
export function term(kind, code) {
  const key = `${kind}_${code}`;
  return has(key) ? t(key) : String(code);
}

export function applyI18n(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}
