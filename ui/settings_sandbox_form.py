"""The Sandbox tab of the settings dialog: how the model's code and its pages are confined."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from agent_core.config import DependencyScripts, SandboxConfig, SandboxMode
from ui.naming import named

MODE_CHOICES = (
    (SandboxMode.AUTO, "Confine with bubblewrap when it works (recommended)"),
    (SandboxMode.BWRAP, "Always confine: refuse to run without bubblewrap"),
    (SandboxMode.OFF, "Off: run model code unconfined"),
)
EXPLANATION = (
    "Installs, npm scripts, the Vite config and the dev server run code the model wrote. "
    "Confined, they see the project folder, a private home and npm's cache, and nothing of "
    "yours; no API key reaches them either way."
)
OFF_WARNING = (
    "Unconfined, the model's code can read and write your files and reach your network. "
    "Only the environment is filtered."
)


class SandboxForm(QWidget):
    """Edits a :class:`SandboxConfig`; the widgets are public for tests."""

    def __init__(self, config: SandboxConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sandboxForm")
        intro = named(QLabel(EXPLANATION), "sandboxExplanation")
        intro.setWordWrap(True)
        self.mode_combo = named(QComboBox(), "sandboxMode")
        for mode, text in MODE_CHOICES:
            self.mode_combo.addItem(text, str(mode))
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(str(config.mode)))
        self.all_scripts_check = named(
            QCheckBox("Run the install scripts of every dependency"), "allInstallScripts")
        self.all_scripts_check.setToolTip(
            "Off (recommended): only the packages on the shipped allow-list (esbuild and a few "
            "native modules) run install scripts; the step lists the ones skipped.")
        self.all_scripts_check.setChecked(
            config.dependency_scripts is DependencyScripts.ALL)
        self.internet_check = named(
            QCheckBox("Let the site's pages load from the internet (fonts, images)"),
            "pageInternet")
        self.internet_check.setToolTip(
            "Requests to this computer and your local network (other than the site itself) "
            "are always blocked.")
        self.internet_check.setChecked(config.page_internet)
        self.off_warning = named(QLabel(OFF_WARNING), "sandboxOffWarning")
        self.off_warning.setWordWrap(True)
        self.off_warning.setStyleSheet("color: #b3261e;")
        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        form = QFormLayout()
        form.addRow("Model code:", self.mode_combo)
        form.addRow("", self.all_scripts_check)
        form.addRow("", self.internet_check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.off_warning)
        layout.addStretch(1)
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.off_warning.setVisible(self.config().mode is SandboxMode.OFF)

    def config(self) -> SandboxConfig:
        """The settings as the form shows them."""
        scripts = (DependencyScripts.ALL if self.all_scripts_check.isChecked()
                   else DependencyScripts.ALLOWLIST)
        return SandboxConfig(SandboxMode(self.mode_combo.currentData()), scripts,
                             self.internet_check.isChecked())
