"""Names vulture reports as unused that are used, by a framework or on purpose: the reviewed allowlist of
`make lint`'s dead-code check (configuration: ``[tool.vulture]`` in pyproject.toml). Each group says why.

Regenerate candidates with ``.venv/bin/vulture --make-whitelist``; add a name here only with its reason.
"""

# ruff: noqa: B018, F821
# mypy: ignore-errors

# --- The wire format documents whole API answers (wire.py, obs/bodies.py): fields parsed, not all read. ---
next_part_number_marker  # unused variable (provider/modelarts_pulumi/obs/bodies.py:112)
unit_num  # unused variable (provider/modelarts_pulumi/wire.py:67)
memory  # unused variable (provider/modelarts_pulumi/wire.py:75)
disk  # unused variable (provider/modelarts_pulumi/wire.py:76)
flavor_name  # unused variable (provider/modelarts_pulumi/wire.py:83)
billing  # unused variable (provider/modelarts_pulumi/wire.py:86)
attributes  # unused variable (provider/modelarts_pulumi/wire.py:88)
cpu_image_url  # unused variable (provider/modelarts_pulumi/wire.py:105)
gpu_image_url  # unused variable (provider/modelarts_pulumi/wire.py:106)
image_version  # unused variable (provider/modelarts_pulumi/wire.py:107)
v1_compatible  # unused variable (provider/modelarts_pulumi/wire.py:116)
run_user  # unused variable (provider/modelarts_pulumi/wire.py:117)
image_info  # unused variable (provider/modelarts_pulumi/wire.py:118)
valid_type  # unused variable (provider/modelarts_pulumi/wire.py:135)
i18n_description  # unused variable (provider/modelarts_pulumi/wire.py:146)
data_type  # unused variable (provider/modelarts_pulumi/wire.py:150)
attributes  # unused variable (provider/modelarts_pulumi/wire.py:151)
remote_constraints  # unused variable (provider/modelarts_pulumi/wire.py:157)
access_method  # unused variable (provider/modelarts_pulumi/wire.py:158)
access_method  # unused variable (provider/modelarts_pulumi/wire.py:164)
install_sys_packages  # unused variable (provider/modelarts_pulumi/wire.py:174)
v1_compatible  # unused variable (provider/modelarts_pulumi/wire.py:180)
run_user  # unused variable (provider/modelarts_pulumi/wire.py:181)
support_groups  # unused variable (provider/modelarts_pulumi/wire.py:183)
image_info  # unused variable (provider/modelarts_pulumi/wire.py:185)
ai_project  # unused variable (provider/modelarts_pulumi/wire.py:226)
version_id  # unused variable (provider/modelarts_pulumi/wire.py:268)
local_dir  # unused variable (provider/modelarts_pulumi/wire.py:282)
access_method  # unused variable (provider/modelarts_pulumi/wire.py:283)
local_dir  # unused variable (provider/modelarts_pulumi/wire.py:290)
access_method  # unused variable (provider/modelarts_pulumi/wire.py:291)
period  # unused variable (provider/modelarts_pulumi/wire.py:293)
flavor_name  # unused variable (provider/modelarts_pulumi/wire.py:325)
host_path  # unused variable (provider/modelarts_pulumi/wire.py:331)
time_unit  # unused variable (provider/modelarts_pulumi/wire.py:335)
nfs  # unused variable (provider/modelarts_pulumi/wire.py:340)
pfs  # unused variable (provider/modelarts_pulumi/wire.py:341)
is_hosted_log  # unused variable (provider/modelarts_pulumi/wire.py:350)
current_size  # unused variable (provider/modelarts_pulumi/wire.py:454)
version_id  # OBS answer header kept on the object summary (obs/client.py)

# --- Declared inputs and outputs: read by name through the declarations (declare.py), not as attributes. ---
name_prefix  # inputs.py: set by the resource classes for autonaming
name_seed  # inputs.py
triggers  # inputs.py and the TrainingJob.__init__ keyword: reaches the props through locals()
resolved_engine_id  # outputs.py and the Algorithm annotation
exit_message  # outputs.py and the TrainingJob annotation
algorithm_code_dir  # inputs.py: derived by the TrainingJob class, read from the props by the provider
file_count  # outputs.py and the ObsFolder annotation (set from the program's listing)

# --- Called by frameworks by name. ---
_.redirect_slashes  # Starlette router option (emulator app.py)
_.should_exit  # uvicorn.Server flag (emulator serving.py)
_.capture_signals  # uvicorn.Server hook, overridden (emulator serving.py)
_.row_factory  # sqlite3 connection option (emulator store.py)
_.default_venv_backend  # nox options (noxfile.py)
_.reuse_venv
_.download_python
_.error_on_external_run
_.hooks  # requests session hooks (auth/iam_tokens.py)
_.is_retry  # urllib3 Retry override (http.py)
_.RuntimeOptionsPrompts  # gRPC LanguageRuntime methods (tools/langhost)
_.InstallDependencies
_.About
_.GetProgramDependencies
_.Cancel
signum  # signal handler signature (tools/langhost)
nextitem  # pytest hook signature (tests/conftest.py)
_.new_resource  # pulumi.runtime.Mocks method (tests/lookups)
attribute_map  # the official SDK's model attribute, read by the SDK (tests/fidelity/guide.py)
__getattr__  # a module's lazy attributes (PEP 562), called by Python (provider/modelarts_pulumi/__init__.py)

# --- Kept on purpose. ---
bytes_skipped  # obs/transfer.py upload report: what was skipped as unchanged, for callers and progress
_.bytes_skipped
_._content  # requests.Response internals set by a test double (tests/client/test_http.py)
vhost_dns  # fixture used for its effect (tests/obs_client)
forgotten  # a deliberately undeclared field, in a test model that must be refused (tests/provider)

# --- The command-line tool: click registers a command by its decorator; rich renders what is set on a table. ---
open_  # unused function (provider/modelarts_pulumi/cli/commands.py): the `open` command
caption  # unused attribute (provider/modelarts_pulumi/cli/commands.py): a rich Table's caption, rendered

# --- Errors that read well: what traceback.format_exc() reads off an exception (providers/readable.py). ---
__traceback__  # unused attribute
__context__  # unused attribute
__suppress_context__  # unused attribute
