"""Override of PyInstaller's QtQml hook: the Qt libraries, but none of the QML plugins.

WebGen Studio is a widgets app. QtWebEngine links QtQml and QtQuick, so PyInstaller's own
hook runs and collects every QML plugin of the PySide6 wheel (Qt3D, Quick3D, Multimedia,
Location, Quick Controls...) with the libraries they need; nothing here loads QML, and the
bundle is about a fifth smaller without them. User hooks take precedence over PyInstaller's.
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
