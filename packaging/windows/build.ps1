# Windows: build the app and its Inno Setup installer. NOT BUILT OR TESTED on this project's machines
# (Linux only): the recipe for a maintainer on Windows 10/11 x64 with
#   - Python 3.11 x64 (python.org; "py -3.11" works), Git for Windows (its bash runs the build script),
#   - Inno Setup 6 (iscc.exe; winget install JRSoftware.InnoSetup).
# Run from the repository root in PowerShell:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#   -> dist\DeepfakeInspector-VERSION-windows-x64-setup.exe (+ the .zip of the one-folder app)
# Steps: scripts/build_installer.sh under Git Bash (clean venv with tensorflow-cpu pinned as on Linux,
# the icon from scripts/render_icons.py, PyInstaller: DeepfakeInspector.exe windowed with the icon and
# DeepfakeInspector-cli.exe for the subcommands, the -cli twin's --self-test, the .zip), then iscc
# with packaging\windows\DeepfakeInspector.iss. The Linux size budget does not apply (no stripping or
# ICU trimming on Windows). Not done: Authenticode signing (needs a certificate): unsigned, SmartScreen
# warns on first run ("More info" > "Run anyway"); sign both .exe files and the setup with signtool.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$bash = Join-Path ${env:ProgramFiles} "Git\bin\bash.exe"
if (-not (Test-Path $bash)) { throw "Git for Windows' bash.exe not found at $bash" }
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 (ISCC.exe) not found" }
# the Python that makes build_installer.sh's venv (python.org's installer has no python3.exe)
$env:HOST_PYTHON = (py -3.11 -c "import sys; print(sys.executable)").Replace("\", "/")
& $bash scripts/build_installer.sh
if ($LASTEXITCODE -ne 0) { throw "build_installer.sh failed" }
$version = py -3.11 -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
& $iscc "/DAppVersion=$version" "packaging\windows\DeepfakeInspector.iss"
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
$setup = "dist\DeepfakeInspector-$version-windows-x64-setup.exe"
$hash = (Get-FileHash $setup -Algorithm SHA256).Hash.ToLower()
"$hash  $(Split-Path $setup -Leaf)" | Out-File -Encoding ascii "$setup.sha256"
Write-Host "setup: $setup ($((Get-Item $setup).Length) bytes) sha256 $hash"
Write-Host "check by hand: install, start from the Start menu, right-click a .mp4 > Open with > Deepfake Inspector,"
Write-Host "run 'DeepfakeInspector-cli.exe --self-test' in the install folder, uninstall (Settings > Apps)."
