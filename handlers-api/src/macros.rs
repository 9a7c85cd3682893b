//! The export macros that turn a crate into a handler library.

/// Exports a handler library whose only plugin is a validation plugin.
///
/// `export_validation_plugin!("Name", Factory::default);` — the second argument is any
/// expression callable with no argument that returns a
/// [`validation::PluginFactory`](crate::validation::PluginFactory). Defines
/// `handlers_api_library()` (the root module, callable in process) and the exported symbol that
/// abi_stable's loader looks for. Use at most once per crate.
#[macro_export]
macro_rules! export_validation_plugin {
    ($name:literal, $ctor:expr $(,)?) => {
        $crate::export_handlers_library!(name: $name, validation: $ctor);
    };
}

/// Exports a handler library whose only plugin is an endorsement plugin; see
/// [`export_validation_plugin!`].
#[macro_export]
macro_rules! export_endorsement_plugin {
    ($name:literal, $ctor:expr $(,)?) => {
        $crate::export_handlers_library!(name: $name, endorsement: $ctor);
    };
}

/// Exports a handler library with a validation and/or an endorsement plugin:
/// `export_handlers_library!(name: "X", validation: VF::default, endorsement: EF::default);`
/// (either kind may be left out).
#[macro_export]
macro_rules! export_handlers_library {
    (name: $name:literal, validation: $v:expr, endorsement: $e:expr $(,)?) => {
        $crate::__export_library!(
            $name,
            {
                extern "C" fn __new_validation_factory(
                ) -> $crate::__private::abi_stable::std_types::RResult<
                    $crate::ffi::validation::FfiValidationFactoryBox,
                    $crate::ffi::FfiError,
                > {
                    $crate::ffi::validation::export_factory($name, $v)
                }
                ::core::option::Option::Some(
                    __new_validation_factory as $crate::ffi::library::NewValidationFactory,
                )
            },
            {
                extern "C" fn __new_endorsement_factory(
                ) -> $crate::__private::abi_stable::std_types::RResult<
                    $crate::ffi::endorsement::FfiEndorsementFactoryBox,
                    $crate::ffi::FfiError,
                > {
                    $crate::ffi::endorsement::export_factory($name, $e)
                }
                ::core::option::Option::Some(
                    __new_endorsement_factory as $crate::ffi::library::NewEndorsementFactory,
                )
            }
        );
    };
    (name: $name:literal, validation: $v:expr $(,)?) => {
        $crate::__export_library!(
            $name,
            {
                extern "C" fn __new_validation_factory(
                ) -> $crate::__private::abi_stable::std_types::RResult<
                    $crate::ffi::validation::FfiValidationFactoryBox,
                    $crate::ffi::FfiError,
                > {
                    $crate::ffi::validation::export_factory($name, $v)
                }
                ::core::option::Option::Some(
                    __new_validation_factory as $crate::ffi::library::NewValidationFactory,
                )
            },
            ::core::option::Option::None
        );
    };
    (name: $name:literal, endorsement: $e:expr $(,)?) => {
        $crate::__export_library!($name, ::core::option::Option::None, {
            extern "C" fn __new_endorsement_factory(
            ) -> $crate::__private::abi_stable::std_types::RResult<
                $crate::ffi::endorsement::FfiEndorsementFactoryBox,
                $crate::ffi::FfiError,
            > {
                $crate::ffi::endorsement::export_factory($name, $e)
            }
            ::core::option::Option::Some(
                __new_endorsement_factory as $crate::ffi::library::NewEndorsementFactory,
            )
        });
    };
}

/// Implementation detail of the export macros: the root-module function and the exported
/// `LibHeader` static, written out so that plugin crates need no direct abi_stable dependency
/// (the symbol name is abi_stable's `ROOT_MODULE_LOADER_NAME`, checked by a test).
#[doc(hidden)]
#[macro_export]
macro_rules! __export_library {
    ($name:literal, $validation:expr, $endorsement:expr) => {
        /// The root module of this handler library (also usable in process).
        pub fn handlers_api_library() -> $crate::ffi::HandlersLibraryRef {
            $crate::ffi::library::new_library($name, $validation, $endorsement)
        }

        #[no_mangle]
        #[allow(non_upper_case_globals)]
        #[doc(hidden)]
        pub static _1as_0lib_1header_0root_bmodule_bloader:
            $crate::__private::abi_stable::library::LibHeader = {
            extern "C" fn __erased_root_module(
            ) -> $crate::__private::abi_stable::library::RootModuleResult {
                $crate::__private::abi_stable::library::__call_root_module_loader(
                    handlers_api_library,
                )
            }
            // SAFETY: the constructor returns the root module of type `HandlersLibraryRef`,
            // which is the type passed to `from_constructor` (abi_stable's own expansion).
            unsafe {
                $crate::__private::abi_stable::library::LibHeader::from_constructor::<
                    $crate::ffi::HandlersLibraryRef,
                >(
                    __erased_root_module,
                    $crate::__private::abi_stable::library::CheckTypeLayout::Yes,
                )
            }
        };
    };
}
